import { describe, expect, it } from 'vitest';
import {
  errorsOf,
  expectError,
  expectValid,
  ivrConfig,
  mutate,
  robotConfig,
  world,
} from './validate-task-fixture.ts';

describe('validateTaskConfig: robot transfer, questionnaire, SMS, blocklist', () => {
  it('allows a skill queue only on robot tasks, and requires it to exist', () => {
    expectError(
      mutate(ivrConfig(), { '/skillQueueId': 'sq-vip' }),
      '/skillQueueId',
      'only a robot task',
    );
    expectError(
      mutate(robotConfig(), { '/skillQueueId': 'sq-x' }),
      '/skillQueueId',
      "skill queue 'sq-x' does not exist",
    );
  });

  it('allows a business result and a manual questionnaire only with a skill queue', () => {
    const doc = mutate(robotConfig(), { '/skillQueueId': null, '/businessResultPolicy': [] });
    expectError(doc, '/businessResultId', 'only when a skill queue is set');
    expectError(doc, '/manualQuestionnaireId', 'only when a skill queue is set');
    expectError(
      mutate(robotConfig(), { '/businessResultId': 'br-x' }),
      '/businessResultId',
      "business result 'br-x' does not exist",
    );
  });

  it('requires the manual questionnaire to be manual or manual-and-IVR', () => {
    expectError(
      mutate(robotConfig(), { '/manualQuestionnaireId': 'q-ivr' }),
      '/manualQuestionnaireId',
      'is an IVR questionnaire',
    );
    expectError(
      mutate(robotConfig(), { '/manualQuestionnaireId': 'q-x' }),
      '/manualQuestionnaireId',
      'does not exist',
    );
    expectValid(mutate(robotConfig(), { '/manualQuestionnaireId': 'q-both' }));
  });

  it('requires a fitting questionnaire for modes ivr and manual_and_ivr, and none for mode none', () => {
    const path = '/questionnaire/questionnaireId';
    expectError(
      mutate(ivrConfig(), { [path]: null }),
      path,
      'required when the questionnaire mode is ivr',
    );
    expectError(mutate(ivrConfig(), { [path]: 'q-x' }), path, "questionnaire 'q-x' does not exist");
    expectError(
      mutate(ivrConfig(), { [path]: 'q-manual' }),
      path,
      'mode ivr needs an IVR or manual-and-IVR',
    );
    expectValid(mutate(ivrConfig(), { [path]: 'q-both' }));
    expectError(
      mutate(robotConfig(), { [path]: 'q-ivr' }),
      path,
      'mode manual_and_ivr needs a manual-and-IVR',
    );
    expectError(
      mutate(ivrConfig(), { '/questionnaire/mode': 'none' }),
      path,
      'must be empty when the questionnaire mode is none',
    );
  });

  it('requires an existing SMS template of the chosen type', () => {
    expectError(
      mutate(ivrConfig(), { '/sms/templateId': 'sms-x' }),
      '/sms/templateId',
      "SMS template 'sms-x' does not exist",
    );
    expectError(
      mutate(ivrConfig(), { '/sms/type': 'gateway' }),
      '/sms/type',
      'is a cloud template, not gateway',
    );
    expectValid(mutate(ivrConfig(), { '/sms': { type: 'gateway', templateId: 'sms-gw' } }));
  });

  it('requires the blocklist to exist', () => {
    expectError(
      mutate(ivrConfig(), { '/blocklistId': 'bl-x' }),
      '/blocklistId',
      "blocklist 'bl-x' does not exist",
    );
  });
});

describe('validateTaskConfig: callback URL', () => {
  const at = (url: string) => mutate(ivrConfig(), { '/callbackUrl': url });

  it('requires an http(s) URL', () => {
    expectError(at('ftp://crm.example.com/x'), '/callbackUrl', 'http or https URL');
    expectError(at('not a url'), '/callbackUrl', 'http or https URL');
  });

  it('requires the URL to be under an approved address', () => {
    expectError(at('https://evil.example.net/hook'), '/callbackUrl', 'approved callback trustlist');
    expectError(
      at('https://crm.example.com.evil.net/'),
      '/callbackUrl',
      'approved callback trustlist',
    );
    expectError(
      at('http://crm.example.com/outbound'),
      '/callbackUrl',
      'approved callback trustlist',
    );
    expectValid(at('HTTPS://CRM.example.com:443/hooks?x=1'));
  });

  it('matches an approved path on a segment boundary', () => {
    const w = world();
    w.tenant.callbackTrustlist = ['https://crm.example.com/out'];
    expectValid(at('https://crm.example.com/out/events'), w);
    expectError(at('https://crm.example.com/outbound'), '/callbackUrl', 'trustlist', w);
  });

  it('allows no callback URL when the trustlist is empty', () => {
    const w = world();
    w.tenant.callbackTrustlist = [];
    expectError(ivrConfig(), '/callbackUrl', 'no callback URL is allowed', w);
    expectValid(mutate(ivrConfig(), { '/callbackUrl': null }), w);
  });
});

describe('validateTaskConfig: OU isolation', () => {
  /** A task of OU Sales that uses a Billing resource at every reference it has. */
  const crossOu = () =>
    mutate(robotConfig(), {
      '/flowId': 'flow-billing',
      '/robotId': 'robot-billing',
      '/callerGroupId': null,
      '/callerNumbers': ['+862188880001', '+862188880003'],
      '/sms/templateId': 'sms-billing',
      '/blocklistId': 'bl-billing',
      '/skillQueueId': 'sq-billing',
      '/businessResultId': 'br-billing',
      '/manualQuestionnaireId': 'q-billing',
      '/questionnaire/questionnaireId': 'q-billing',
      '/schedule/specialDates': ['weekend', 'billing-day'],
      '/strategy/filter/conditions/0/attribute': 'region',
      '/callStrategy/order/attributes/0/attribute': 'region',
      '/callStrategy/numberRounds/numberTypes': ['mobile', 'billing-line'],
      '/resultPolicy/numberTypes/0/numberType': 'billing-line',
      '/resultPolicy/default/nonRetryResults': ['R-BILLING'],
      '/businessResultPolicy': [{ code: 'br-billing', action: 'stop' }],
    });
  const paths = [
    '/flowId',
    '/robotId',
    '/callerNumbers/1',
    '/sms/templateId',
    '/blocklistId',
    '/skillQueueId',
    '/businessResultId',
    '/manualQuestionnaireId',
    '/questionnaire/questionnaireId',
    '/schedule/specialDates/1',
    '/strategy/filter/conditions/0/attribute',
    '/callStrategy/order/attributes/0/attribute',
    '/callStrategy/numberRounds/numberTypes/1',
    '/resultPolicy/numberTypes/0/numberType',
    '/resultPolicy/default/nonRetryResults/0',
    '/businessResultPolicy/0/code',
  ];

  it('with isolation on, refuses every resource of another OU and names that OU', () => {
    const w = world();
    w.tenant.isolation = true;
    const errors = errorsOf(crossOu(), w);
    for (const path of paths) {
      expect(errors).toContainEqual({
        path,
        message: expect.stringContaining("belongs to OU 'ou-billing'"),
      });
    }
    expectError(
      mutate(robotConfig(), { '/callerGroupId': 'grp-billing' }),
      '/callerGroupId',
      "OU 'ou-billing'",
      w,
    );
  });

  it('with isolation on, a task without an OU may use only unorganized resources', () => {
    const w = world();
    w.tenant.isolation = true;
    expectError(
      mutate(ivrConfig(), { '/ouId': null }),
      '/callerNumbers/1',
      'this task has no OU',
      w,
    );
  });

  it('with isolation on, accepts resources of the task OU and unorganized ones', () => {
    const w = world();
    w.tenant.isolation = true;
    expectValid(ivrConfig(), w);
    expectValid(robotConfig(), w);
  });

  it('with isolation off, accepts resources of any OU', () => {
    expectValid(
      mutate(crossOu(), {
        '/businessResultId': null,
        '/skillQueueId': null,
        '/manualQuestionnaireId': null,
      }),
    );
    const errors = errorsOf(crossOu());
    expect(errors.filter((e) => e.message.includes('belongs to OU'))).toEqual([]);
  });
});
