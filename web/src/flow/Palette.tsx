import { Badge, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { STEP_TYPES, type StepType } from './steps.ts';

/** The drag type the canvas accepts from the palette. */
export const STEP_MIME = 'application/x-outbound-step';

/** Every step the engine runs: drag one onto the canvas, or click it to add it below the others. */
export function Palette({
  onAdd,
  disabled,
}: {
  onAdd: (type: StepType) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation('flow');
  return (
    <Stack gap={6} data-testid="flow-palette">
      <Text size="sm" fw={600}>
        {t('palette.title')}
      </Text>
      <Text size="xs" c="dimmed">
        {t('palette.hint')}
      </Text>
      {STEP_TYPES.map((type) => (
        <Badge
          key={type}
          size="lg"
          radius="sm"
          variant="outline"
          fullWidth
          style={{ cursor: disabled ? 'not-allowed' : 'grab', textTransform: 'none' }}
          draggable={!disabled}
          onDragStart={(e) => {
            e.dataTransfer.setData(STEP_MIME, type);
            e.dataTransfer.effectAllowed = 'move';
          }}
          onClick={() => !disabled && onAdd(type)}
          data-testid={`palette-${type}`}
        >
          {t(`types.${type}`)}
        </Badge>
      ))}
    </Stack>
  );
}
