import { useState } from 'react';
import { Button, Group, Modal } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useTenant } from '../session.tsx';
import { ResourceForm } from './ResourceForm.tsx';
import { useInvalidateResources, useResourceList } from './queries.ts';

/**
 * "New number type" where a number type is chosen (the seed's step 6): the number type form in a
 * dialog. The type belongs to the task's OU under isolation, else to Unorganized (seed, step 6).
 */
export function NewNumberType({
  taskOu,
  onCreated,
}: {
  taskOu: string | null | undefined;
  onCreated: (id: string) => void;
}) {
  const { t } = useTranslation('resources');
  const { me, tenant } = useTenant();
  const [open, setOpen] = useState(false);
  const ous = useResourceList('ous', open);
  const invalidate = useInvalidateResources();
  const canWrite = me.role === 'tenant_admin' || me.role === 'system_admin';
  if (!canWrite) return null;
  return (
    <Group>
      <Button
        size="xs"
        variant="default"
        onClick={() => setOpen(true)}
        data-testid="new-number-type"
      >
        {t('newNumberType')}
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('newNumberType')} size="lg">
        {open && (
          <ResourceForm
            kind="number-types"
            item={null}
            ctx={{
              kind: 'number-types',
              editing: false,
              ous: ous.data ?? [],
              callerNumbers: [],
              settings: tenant.settings,
              defaultOu: tenant.settings.isolation ? (taskOu ?? null) : null,
            }}
            onSaved={(doc) => {
              setOpen(false);
              void invalidate('number-types');
              onCreated(String(doc.id));
            }}
          />
        )}
      </Modal>
    </Group>
  );
}
