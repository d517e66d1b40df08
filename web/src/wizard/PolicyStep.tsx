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
import type { ContactPolicyT, PolicyBody } from './policy-types.ts';
import { options, type StepProps } from './BasicStep.tsx';
import { emptyPolicy, errorsAt, visibleTo } from './model.ts';
import { PolicyEditor } from './PolicyEditor.tsx';

const num = (v: string | number) => (typeof v === 'number' ? v : Number(v) || 0);

/** Step 4 (the seed's step 6): call order, number rounds, result policy, business results. */
export function PolicyStep({ draft, set, errors, world, settings }: StepProps) {
  const cs = draft.callStrategy;
  const rp = draft.resultPolicy;
  const visible = visibleTo(settings.isolation, draft.ouId);
  const sortable = world.attributes.filter(visible).filter((a) => a.mandatory && !a.encrypted);
  const numberTypes = world['number-types'].map((t) => t.id);
  const err = (p: string) => errorsAt(errors, p);
  const orderChoices = [
    { value: 'none', label: 'No sorting' },
    { value: 'number', label: 'By number' },
    { value: 'priority', label: 'By priority' },
    ...(settings.attributeFeatures ? [{ value: 'attributes', label: 'By data attribute' }] : []),
  ];
  const contact = rp.kind === 'contact' ? (rp as ContactPolicyT) : null;

  return (
    <Stack>
      <Title order={4}>Call strategy</Title>
      <SimpleGrid cols={2}>
        <Select
          label="Call sequence"
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
            Multi-number customer call rounds
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
              { value: 'sequence', label: 'In sequence' },
              { value: 'numberType', label: 'By number type' },
              { value: 'sequenceNumber', label: 'By sequence number' },
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
                placeholder="Mandatory, unencrypted attribute"
                data={options(sortable, (r) => String(r.name ?? r.code))}
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
                  { value: 'asc', label: 'Ascending' },
                  { value: 'desc', label: 'Descending' },
                ]}
              />
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label="Remove"
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
              Add attribute
            </Button>
          </Group>
        </Stack>
      )}
      {cs.numberRounds.mode === 'numberType' && (
        <MultiSelect
          label="Number types, in calling order"
          description="The number of the type placed first is called first"
          data={numberTypes}
          value={cs.numberRounds.numberTypes ?? []}
          onChange={(v) => set((d) => void (d.callStrategy.numberRounds.numberTypes = v))}
          error={err('/callStrategy/numberRounds')}
        />
      )}

      <Title order={4} mt="md">
        Outbound call result policy
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
          { value: 'global', label: 'Global policy' },
          { value: 'contact', label: 'Contact policy' },
        ]}
        data-testid="f-policy-kind"
      />
      {contact ? (
        <Stack>
          <Card withBorder>
            <Text fw={500} mb="xs">
              Default number type
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
          {contact.numberTypes.map((t, i) => (
            <Card withBorder key={i}>
              <Group justify="space-between" mb="xs">
                <Select
                  label="Number type"
                  required
                  data={numberTypes}
                  value={t.numberType || null}
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
                  Remove
                </Button>
              </Group>
              <PolicyEditor
                value={t}
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
              Add number type
            </Button>
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
        Business result policy
      </Title>
      <Text size="sm" c="dimmed">
        Optional: what a business result recorded on a customer does next.
      </Text>
      {draft.businessResultPolicy.map((r, i) => {
        const br = world['business-results'].find((b) => b.id === r.code);
        const subs = (br?.subResults as { code: string; name: string }[] | undefined) ?? [];
        return (
          <Group key={i} align="start">
            <Select
              placeholder="Business result"
              data={options(world['business-results'].filter(visible))}
              value={r.code || null}
              onChange={(v) =>
                set(
                  (d) => void (d.businessResultPolicy[i] = { ...r, code: v ?? '', subCode: null }),
                )
              }
              error={err(`/businessResultPolicy/${i}/code`)}
            />
            <Select
              placeholder="Any sub-result"
              clearable
              data={subs.map((s) => ({ value: s.code, label: s.name }))}
              value={r.subCode ?? null}
              onChange={(v) => set((d) => void (d.businessResultPolicy[i]!.subCode = v))}
            />
            <Select
              data={[
                { value: 'stop', label: 'Stop' },
                { value: 'call_next_number', label: 'Call the next number' },
                { value: 'call_same_number', label: 'Call the same number' },
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
              aria-label="Interval (s)"
              placeholder="Interval (s)"
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
              aria-label="Remove"
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
          Add business result rule
        </Button>
      </Group>
    </Stack>
  );
}
