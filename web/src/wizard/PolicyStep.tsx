import {
  ActionIcon,
  Button,
  Card,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ContactPolicyT, PolicyBody } from './policy-types.ts';
import { options, type StepProps } from './BasicStep.tsx';
import { emptyPolicy, errorsAt, visibleTo } from './model.ts';
import { PolicyEditor } from './PolicyEditor.tsx';
import { useState } from 'react';
import { NewNumberType } from '../resources/NewNumberType.tsx';

const num = (v: string | number) => (typeof v === 'number' ? v : Number(v) || 0);

/** Step 4 (the seed's step 6): call order, number rounds, result policy, business results. */
export function PolicyStep({ draft, set, errors, world, settings }: StepProps) {
  const { t } = useTranslation('wizard');
  const cs = draft.callStrategy;
  const rp = draft.resultPolicy;
  const visible = visibleTo(settings.isolation, draft.ouId);
  const sortable = world.attributes.filter(visible).filter((a) => a.mandatory && !a.encrypted);
  // Number types created inline (seed, step 6) are offered before the world is loaded again.
  const [added, setAdded] = useState<string[]>([]);
  const known = world['number-types'].map((x) => ({ value: x.id, label: String(x.name ?? x.id) }));
  const numberTypes = [
    ...known,
    ...added
      .filter((id) => !known.some((k) => k.value === id))
      .map((id) => ({ value: id, label: id })),
  ];
  const created = (id: string, f: Parameters<typeof set>[0]) => {
    setAdded((a) => [...a, id]);
    set(f);
  };
  const err = (p: string) => errorsAt(errors, p);
  const orderChoices = [
    { value: 'none', label: t('policy.orderNone') },
    { value: 'number', label: t('policy.orderNumber') },
    { value: 'priority', label: t('policy.orderPriority') },
    ...(settings.attributeFeatures
      ? [{ value: 'attributes', label: t('policy.orderAttributes') }]
      : []),
  ];
  const contact = rp.kind === 'contact' ? (rp as ContactPolicyT) : null;

  return (
    <Stack>
      <Title order={4}>{t('policy.callStrategy')}</Title>
      <SimpleGrid cols={2}>
        <Select
          label={t('field.callStrategy_order_by')}
          data={orderChoices}
          value={cs.order.by}
          onChange={(v) =>
            set((d) => {
              d.callStrategy.order = { by: (v ?? 'none') as typeof cs.order.by };
              if (v === 'attributes') d.callStrategy.order.attributes = [];
            })
          }
          error={err('/callStrategy/order/by')}
          data-testid="f-order"
        />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            {t('field.callStrategy_numberRounds')}
          </Text>
          <SegmentedControl
            value={cs.numberRounds.mode}
            onChange={(v) =>
              set((d) => {
                d.callStrategy.numberRounds = { mode: v as typeof cs.numberRounds.mode };
                if (v === 'numberType') d.callStrategy.numberRounds.numberTypes = [];
              })
            }
            data={[
              { value: 'sequence', label: t('policy.roundsSequence') },
              { value: 'numberType', label: t('policy.roundsNumberType') },
              { value: 'sequenceNumber', label: t('policy.roundsSequenceNumber') },
            ]}
            data-testid="f-rounds"
          />
        </Stack>
      </SimpleGrid>
      {cs.order.by === 'attributes' && (
        <Stack gap={6}>
          {(cs.order.attributes ?? []).map((a, i) => (
            <Group key={i}>
              <Select
                placeholder={t('field.callStrategy_order_attributes')}
                data={options(sortable, (r) => String(r.name ?? r.code), world.ous)}
                value={a.attribute || null}
                onChange={(v) =>
                  set((d) => void (d.callStrategy.order.attributes![i]!.attribute = v ?? ''))
                }
                error={err(`/callStrategy/order/attributes/${i}`)}
              />
              <SegmentedControl
                value={a.direction}
                onChange={(v) =>
                  set(
                    (d) =>
                      void (d.callStrategy.order.attributes![i]!.direction = v as 'asc' | 'desc'),
                  )
                }
                data={[
                  { value: 'asc', label: t('policy.ascending') },
                  { value: 'desc', label: t('policy.descending') },
                ]}
              />
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={t('common:remove')}
                onClick={() => set((d) => void d.callStrategy.order.attributes!.splice(i, 1))}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          <Group>
            <Button
              size="xs"
              variant="default"
              onClick={() =>
                set(
                  (d) =>
                    void (d.callStrategy.order.attributes ??= []).push({
                      attribute: '',
                      direction: 'asc',
                    }),
                )
              }
            >
              {t('policy.addAttribute')}
            </Button>
          </Group>
        </Stack>
      )}
      {cs.numberRounds.mode === 'numberType' && (
        <MultiSelect
          label={t('field.callStrategy_numberRounds_numberTypes')}
          description={t('policy.numberTypesHelp')}
          data={numberTypes}
          value={cs.numberRounds.numberTypes ?? []}
          onChange={(v) => set((d) => void (d.callStrategy.numberRounds.numberTypes = v))}
          error={err('/callStrategy/numberRounds')}
          data-testid="f-number-types"
        />
      )}
      {cs.numberRounds.mode === 'numberType' && (
        <NewNumberType
          taskOu={draft.ouId}
          onCreated={(id) =>
            created(id, (d) => void (d.callStrategy.numberRounds.numberTypes ??= []).push(id))
          }
        />
      )}

      <Title order={4} mt="md">
        {t('field.resultPolicy')}
      </Title>
      <SegmentedControl
        w={320}
        value={rp.kind}
        onChange={(v) =>
          set((d) => {
            d.resultPolicy =
              v === 'contact'
                ? { kind: 'contact', default: emptyPolicy(), numberTypes: [] }
                : { kind: 'global', ...emptyPolicy() };
          })
        }
        data={[
          { value: 'global', label: t('policy.global') },
          { value: 'contact', label: t('policy.contact') },
        ]}
        data-testid="f-policy-kind"
      />
      {contact ? (
        <Stack>
          <Card withBorder>
            <Text fw={500} mb="xs">
              {t('field.resultPolicy_default')}
            </Text>
            <PolicyEditor
              value={contact.default}
              onChange={(f) => set((d) => f((d.resultPolicy as ContactPolicyT).default))}
              path="/resultPolicy/default"
              errors={errors}
              world={world}
              testId="policy-default"
            />
          </Card>
          {contact.numberTypes.map((nt, i) => (
            <Card withBorder key={i}>
              <Group justify="space-between" mb="xs">
                <Select
                  label={t('field.resultPolicy_numberTypes_numberType')}
                  required
                  data={numberTypes}
                  value={nt.numberType || null}
                  onChange={(v) =>
                    set(
                      (d) =>
                        void ((d.resultPolicy as ContactPolicyT).numberTypes[i]!.numberType =
                          v ?? ''),
                    )
                  }
                  error={err(`/resultPolicy/numberTypes/${i}/numberType`)}
                />
                <Button
                  variant="subtle"
                  color="red"
                  onClick={() =>
                    set((d) => void (d.resultPolicy as ContactPolicyT).numberTypes.splice(i, 1))
                  }
                >
                  {t('common:remove')}
                </Button>
              </Group>
              <PolicyEditor
                value={nt}
                onChange={(f) => set((d) => f((d.resultPolicy as ContactPolicyT).numberTypes[i]!))}
                path={`/resultPolicy/numberTypes/${i}`}
                errors={errors}
                world={world}
                testId={`policy-type-${i}`}
              />
            </Card>
          ))}
          <Group>
            <Button
              size="xs"
              variant="default"
              onClick={() =>
                set(
                  (d) =>
                    void (d.resultPolicy as ContactPolicyT).numberTypes.push({
                      numberType: '',
                      ...emptyPolicy(),
                    }),
                )
              }
            >
              {t('policy.addNumberType')}
            </Button>
            <NewNumberType
              taskOu={draft.ouId}
              onCreated={(id) =>
                created(
                  id,
                  (d) =>
                    void (d.resultPolicy as ContactPolicyT).numberTypes.push({
                      numberType: id,
                      ...emptyPolicy(),
                    }),
                )
              }
            />
          </Group>
        </Stack>
      ) : (
        <PolicyEditor
          value={rp as PolicyBody}
          onChange={(f) => set((d) => f(d.resultPolicy as PolicyBody))}
          path="/resultPolicy"
          errors={errors}
          world={world}
          testId="policy-global"
        />
      )}

      <Title order={4} mt="md">
        {t('field.businessResultPolicy')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('policy.businessHelp')}
      </Text>
      {draft.businessResultPolicy.map((r, i) => {
        const br = world['business-results'].find((b) => b.id === r.code);
        const subs = (br?.subResults as { code: string; name: string }[] | undefined) ?? [];
        return (
          <Group key={i} align="start">
            <Select
              placeholder={t('field.businessResultPolicy_code')}
              data={options(world['business-results'].filter(visible), undefined, world.ous)}
              value={r.code || null}
              onChange={(v) =>
                set(
                  (d) => void (d.businessResultPolicy[i] = { ...r, code: v ?? '', subCode: null }),
                )
              }
              error={err(`/businessResultPolicy/${i}/code`)}
            />
            <Select
              placeholder={t('policy.anySubResult')}
              clearable
              data={subs.map((s) => ({ value: s.code, label: s.name }))}
              value={r.subCode ?? null}
              onChange={(v) => set((d) => void (d.businessResultPolicy[i]!.subCode = v))}
            />
            <Select
              data={[
                { value: 'stop', label: t('policy.actionStop') },
                { value: 'call_next_number', label: t('policy.actionNext') },
                { value: 'call_same_number', label: t('policy.actionSame') },
              ]}
              value={r.action}
              onChange={(v) =>
                set(
                  (d) =>
                    void (d.businessResultPolicy[i]!.action = (v ?? 'stop') as typeof r.action),
                )
              }
            />
            <NumberInput
              w={150}
              aria-label={t('field.businessResultPolicy_intervalSec')}
              placeholder={t('field.businessResultPolicy_intervalSec')}
              min={0}
              value={r.intervalSec ?? ''}
              onChange={(v) =>
                set((d) => void (d.businessResultPolicy[i]!.intervalSec = v === '' ? null : num(v)))
              }
              error={err(`/businessResultPolicy/${i}/intervalSec`)}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              mt={4}
              aria-label={t('common:remove')}
              onClick={() => set((d) => void d.businessResultPolicy.splice(i, 1))}
            >
              ×
            </ActionIcon>
          </Group>
        );
      })}
      <Group>
        <Button
          size="xs"
          variant="default"
          disabled={world['business-results'].length === 0}
          onClick={() =>
            set(
              (d) =>
                void d.businessResultPolicy.push({
                  code: '',
                  subCode: null,
                  action: 'stop',
                  intervalSec: null,
                }),
            )
          }
        >
          {t('policy.addBusinessRule')}
        </Button>
      </Group>
    </Stack>
  );
}
