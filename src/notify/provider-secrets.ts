import type { Cipher } from '../platform/cipher.ts';
import type { TenantSettings } from '../domain/tenant.ts';

/**
 * SMS provider credentials (the cloud API key, the SMPP password) are stored encrypted with the
 * service's secret key, like encrypted attributes, and never returned by the API (shown as ***).
 * Settings are validated in clear (`open`), stored sealed (`seal`), and opened again only where a
 * message is sent. A value stored in clear by an older version is taken as it is, and sealed the
 * next time the settings are saved.
 */
type Transform = (v: string) => string;

function mapSecrets(settings: TenantSettings, f: Transform): TenantSettings {
  const sms = settings.smsProviders;
  if (!sms) return settings;
  return {
    ...settings,
    smsProviders: {
      cloud: sms.cloud ? { ...sms.cloud, apiKey: f(sms.cloud.apiKey) } : null,
      gateway: sms.gateway ? { ...sms.gateway, password: f(sms.gateway.password) } : null,
    },
  };
}

export function sealProviderSecrets(settings: TenantSettings, cipher: Cipher): TenantSettings {
  return mapSecrets(settings, (v) => (cipher.isEncrypted(v) ? v : cipher.encrypt(v)));
}

export function openProviderSecrets(settings: TenantSettings, cipher: Cipher): TenantSettings {
  return mapSecrets(settings, (v) => (cipher.isEncrypted(v) ? cipher.decrypt(v) : v));
}
