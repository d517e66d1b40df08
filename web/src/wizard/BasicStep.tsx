import { useState } from 'react';
import {
  Button,
  Group,
  Input,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { FieldError } from '../api.ts';
import type { World } from '../lib/hooks.ts';
import type { Me, Resource, TenantSettings } from '../types.ts';
import { CallerNumberDialog } from './CallerNumberDialog.tsx';
import { errorsAt, ouLabel, visibleTo, type Draft } from './model.ts';
import { LocalDateTime } from './TimeInputs.tsx';

const NO_OU = '(unorganized)';

export interface StepProps {
  draft: Draft;
  set: (f: (d: Draft) => void) => void;
  errors: FieldError[];
  world: World;
  settings: TenantSettings;
  me: Me;
}

/** Options of a resource select, with each resource's OU so that isolation can be seen. */
export function options(list: Resource[], label?: (r: Resource) => string, ous?: Resource[]) {
  return list.map((r) => ({
    value: r.id,
    label: `${label ? label(r) : String(r.name ?? r.id)} · ${ouLabel(r, ous)}`,
  }));
}

/** Step 1 (the seed's step 3): basic information, with the fields that depend on each other. */
export function BasicStep({ draft, set, errors, world, settings, me }: StepProps) {
  const { t } = useTranslation('wizard');
  const [callerDialog, setCallerDialog] = useState(false);
  const opts = (list: Resource[]) => options(list, undefined, world.ous);
  const err = (p: string) => errorsAt(errors, p);
  const visible = visibleTo(settings.isolation, draft.ouId);
  const pick = (list: Resource[]) => list.filter(visible);
  const published = (list: Resource[]) => pick(list).filter((r) => r.status === 'published');
  const robot = draft.type === 'robot';
  const questionnaires = pick(world.questionnaires);

  const setOu = (ouId: string | null) =>
    set((d) => {
      d.ouId = ouId;
      // Under isolation, choices of another OU no longer apply.
      if (!settings.isolation) return;
      const ok = visibleTo(true, ouId);
      const keep = (kind: keyof World, id: string | null | undefined) =>
        id && world[kind].some((r) => r.id === id && ok(r)) ? id : null;
      d.flowId = keep('flows', d.flowId);
      d.robotId = keep('robots', d.robotId);
      d.callerGroupId = keep('caller-groups', d.callerGroupId);
      d.callerNumbers = (d.callerNumbers ?? []).filter((n) => keep('caller-numbers', n));
      d.smsTemplateId = keep('sms-templates', d.smsTemplateId);
      d.blocklistId = keep('blocklists', d.blocklistId);
      d.schedule.specialDates = d.schedule.specialDates.filter((s) => keep('special-dates', s));
    });

  const groupName = (id: string) =>
    String(world['caller-groups'].find((g) => g.id === id)?.name ?? id);
  const callerSummary = draft.callerGroupId
    ? t('basic.callerGroupSummary', { group: groupName(draft.callerGroupId) })
    : draft.callerNumbers?.length
      ? draft.callerNumbers.join(', ')
      : t('basic.noneSelected');

  return (
    <Stack>
      <SimpleGrid cols={2}>
        <TextInput
          label={t('field.name')}
          required
          maxLength={100}
          value={draft.name}
          onChange={(e) => {
            const v = e.currentTarget.value;
            set((d) => void (d.name = v));
          }}
          error={err('/name')}
          data-testid="f-name"
        />
        <Select
          label={t('field.ouId')}
          data={[
            { value: NO_OU, label: t('common:unorganized') },
            ...world.ous.map((o) => ({ value: o.id, label: String(o.name ?? o.id) })),
          ]}
          value={draft.ouId ?? NO_OU}
          onChange={(v) => setOu(v && v !== NO_OU ? v : null)}
          disabled={me.role === 'ou_operator'}
          description={settings.isolation ? t('basic.isolationOn') : t('basic.isolationOff')}
          error={err('/ouId')}
          data-testid="f-ou"
        />
      </SimpleGrid>
      <Input.Wrapper label={t('field.type')} error={err('/type')}>
        <div>
          <SegmentedControl
            value={draft.type}
            onChange={(v) =>
              set((d) => {
                d.type = v as 'ivr' | 'robot';
                if (v === 'ivr') {
                  d.robotId = null;
                  d.skillQueueId = null;
                  d.businessResultId = null;
                  d.manualQuestionnaireId = null;
                }
              })
            }
            data={[
              { value: 'ivr', label: t('common:taskTypes.ivr') },
              { value: 'robot', label: t('common:taskTypes.robot') },
            ]}
            data-testid="f-type"
          />
        </div>
      </Input.Wrapper>
      <SimpleGrid cols={2}>
        {robot ? (
          <Select
            label={t('field.robotId')}
            required
            placeholder={t('basic.publishedRobot')}
            data={opts(published(world.robots))}
            value={draft.robotId ?? null}
            onChange={(v) => set((d) => void (d.robotId = v))}
            error={err('/robotId')}
            data-testid="f-robot"
          />
        ) : (
          <Select
            label={t('field.flowId')}
            required
            placeholder={t('basic.publishedFlow')}
            data={opts(published(world.flows))}
            value={draft.flowId ?? null}
            onChange={(v) => set((d) => void (d.flowId = v))}
            error={err('/flowId')}
            data-testid="f-flow"
          />
        )}
        <Input.Wrapper
          label={t('field.callerNumbers')}
          required
          error={err('/callerNumbers') ?? err('/callerGroupId')}
        >
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" data-testid="caller-summary" style={{ flex: 1 }} truncate>
              {callerSummary}
            </Text>
            <Button
              size="xs"
              variant="default"
              onClick={() => setCallerDialog(true)}
              data-testid="f-callers"
            >
              {t('basic.select')}
            </Button>
          </Group>
        </Input.Wrapper>
      </SimpleGrid>
      <SimpleGrid cols={3}>
        <LocalDateTime
          label={t('field.start')}
          value={draft.startLocal}
          onChange={(v) => set((d) => void (d.startLocal = v))}
          error={err('/start')}
          testId="f-start"
        />
        <LocalDateTime
          label={t('field.end')}
          value={draft.endLocal}
          onChange={(v) => set((d) => void (d.endLocal = v))}
          error={err('/end')}
          testId="f-end"
        />
        <TextInput
          label={t('field.timeZone')}
          description={t('basic.zoneHelp')}
          value={draft.timeZone ?? ''}
          onChange={(e) => {
            const v = e.currentTarget.value;
            set((d) => void (d.timeZone = v));
          }}
          error={err('/timeZone')}
          data-testid="f-timezone"
        />
      </SimpleGrid>
      <SimpleGrid cols={3}>
        <Select
          label={t('field.priority')}
          description={t('basic.priorityHelp')}
          data={['1', '2', '3', '4', '5']}
          value={String(draft.priority)}
          onChange={(v) => set((d) => void (d.priority = Number(v ?? 3)))}
          error={err('/priority')}
          data-testid="f-priority"
        />
        <Select
          label={t('field.questionnaire_mode')}
          data={[
            { value: 'none', label: t('basic.questionnaireNone') },
            { value: 'ivr', label: t('basic.questionnaireIvr') },
            { value: 'manual_and_ivr', label: t('basic.questionnaireManual') },
          ]}
          value={draft.questionnaire.mode}
          onChange={(v) =>
            set((d) => {
              d.questionnaire = {
                mode: (v ?? 'none') as Draft['questionnaire']['mode'],
                questionnaireId: v === 'none' ? null : (d.questionnaire.questionnaireId ?? null),
              };
            })
          }
          error={err('/questionnaire/mode')}
          data-testid="f-questionnaire-mode"
        />
        {draft.questionnaire.mode !== 'none' ? (
          <Select
            label={t('field.questionnaire_questionnaireId')}
            data={opts(
              questionnaires.filter((q) =>
                draft.questionnaire.mode === 'ivr'
                  ? q.kind !== 'manual'
                  : q.kind === 'manual_and_ivr',
              ),
            )}
            value={draft.questionnaire.questionnaireId ?? null}
            onChange={(v) => set((d) => void (d.questionnaire.questionnaireId = v))}
            error={err('/questionnaire/questionnaireId')}
            data-testid="f-questionnaire"
          />
        ) : (
          <div />
        )}
      </SimpleGrid>
      <SimpleGrid cols={3}>
        <Select
          label={t('field.sms_type')}
          data={[
            { value: 'none', label: t('basic.smsNone') },
            { value: 'cloud', label: t('basic.smsCloud') },
            { value: 'gateway', label: t('basic.smsGateway') },
          ]}
          value={draft.smsType || 'none'}
          onChange={(v) =>
            set((d) => {
              d.smsType = (v && v !== 'none' ? v : '') as Draft['smsType'];
              d.smsTemplateId = null;
            })
          }
          error={err('/sms/type')}
          data-testid="f-sms-type"
        />
        {draft.smsType ? (
          <Select
            label={t('field.sms')}
            data={opts(pick(world['sms-templates']).filter((x) => x.type === draft.smsType))}
            value={draft.smsTemplateId}
            onChange={(v) => set((d) => void (d.smsTemplateId = v))}
            error={err('/sms')}
            data-testid="f-sms-template"
          />
        ) : (
          <div />
        )}
        <Select
          label={t('field.blocklistId')}
          clearable
          data={opts(pick(world.blocklists))}
          value={draft.blocklistId ?? null}
          onChange={(v) => set((d) => void (d.blocklistId = v))}
          error={err('/blocklistId')}
          data-testid="f-blocklist"
        />
      </SimpleGrid>
      {robot && (
        <SimpleGrid cols={3}>
          <Select
            label={t('field.skillQueueId')}
            clearable
            data={opts(pick(world['skill-queues']))}
            value={draft.skillQueueId ?? null}
            onChange={(v) =>
              set((d) => {
                d.skillQueueId = v;
                if (!v) {
                  d.businessResultId = null;
                  d.manualQuestionnaireId = null;
                }
              })
            }
            error={err('/skillQueueId')}
            data-testid="f-skill-queue"
          />
          {draft.skillQueueId ? (
            <>
              <Select
                label={t('field.businessResultId')}
                clearable
                data={opts(pick(world['business-results']))}
                value={draft.businessResultId ?? null}
                onChange={(v) => set((d) => void (d.businessResultId = v))}
                error={err('/businessResultId')}
                data-testid="f-business-result"
              />
              <Select
                label={t('field.manualQuestionnaireId')}
                clearable
                data={opts(questionnaires.filter((q) => q.kind !== 'ivr'))}
                value={draft.manualQuestionnaireId ?? null}
                onChange={(v) => set((d) => void (d.manualQuestionnaireId = v))}
                error={err('/manualQuestionnaireId')}
                data-testid="f-manual-questionnaire"
              />
            </>
          ) : null}
        </SimpleGrid>
      )}
      <TextInput
        label={t('field.callbackUrl')}
        description={t('basic.callbackHelp')}
        placeholder="https://crm.example.com/outbound/events"
        value={draft.callbackUrl ?? ''}
        onChange={(e) => {
          const v = e.currentTarget.value;
          set((d) => void (d.callbackUrl = v));
        }}
        error={err('/callbackUrl')}
        data-testid="f-callback"
      />
      <Textarea
        label={t('field.description')}
        value={draft.description ?? ''}
        onChange={(e) => {
          const v = e.currentTarget.value;
          set((d) => void (d.description = v));
        }}
        error={err('/description')}
        data-testid="f-description"
      />
      <CallerNumberDialog
        opened={callerDialog}
        onClose={() => setCallerDialog(false)}
        numbers={pick(world['caller-numbers'])}
        ous={world.ous}
        groups={pick(world['caller-groups'])}
        selected={draft.callerNumbers ?? []}
        groupId={draft.callerGroupId ?? null}
        limit={Math.min(100, settings.maxCallerNumbers)}
        onOk={(numbers, groupId) =>
          set((d) => {
            d.callerNumbers = numbers;
            d.callerGroupId = groupId;
          })
        }
      />
    </Stack>
  );
}
