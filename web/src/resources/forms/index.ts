import type { ResourceKind } from '../../lib/hooks.ts';
import type { KindForm } from '../form-kit.tsx';
import { blocklistForm } from './blocklists.tsx';
import { questionnaireForm } from './questionnaires.tsx';
import { robotForm } from './robots.tsx';
import {
  attributeForm,
  businessResultForm,
  callerGroupForm,
  callerNumberForm,
  flowForm,
  namedForm,
  ouForm,
  resultDefinitionForm,
  smsTemplateForm,
} from './simple.tsx';
import { specialDateForm } from './special-dates.tsx';

/** The form of every resource kind (flows are drawn in the designer; see Resources.tsx). */
export const FORMS: Record<ResourceKind, KindForm> = {
  ous: ouForm,
  'caller-numbers': callerNumberForm,
  'caller-groups': callerGroupForm,
  flows: flowForm,
  robots: robotForm,
  'skill-queues': namedForm,
  'business-results': businessResultForm,
  questionnaires: questionnaireForm,
  'sms-templates': smsTemplateForm,
  blocklists: blocklistForm,
  'special-dates': specialDateForm,
  attributes: attributeForm,
  'number-types': namedForm,
  'result-definitions': resultDefinitionForm,
};
