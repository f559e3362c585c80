/**
 * `m365.auth_methods.policy` from GET /policies/authenticationMethodsPolicy: which methods the tenant allows.
 *
 * SMS and voice are the phishable, SIM-swappable methods NIST SP 800-63B calls restricted and CIS Microsoft 365
 * Foundations 5.2.3.5 asks to disable ("weak authentication methods"). Number matching: Microsoft enforces it for
 * every Authenticator push notification since 8 May 2023 and removed the setting (numberMatchingRequiredState) from
 * the v1.0 policy, so it cannot be turned off and is reported true with `numberMatchingSource` saying why; it is
 * display only, no rule gates it.
 */
import type { AuthenticationMethodsPolicy } from './identity-schema.js';

export interface AuthMethodsPolicyValue extends Record<string, unknown> {
  smsEnabled: boolean;
  voiceEnabled: boolean;
  /** SMS or voice call allowed for sign-in. */
  weakMethodsEnabled: boolean;
  numberMatching: boolean;
  numberMatchingSource: 'enforced_by_microsoft';
  authenticatorEnabled: boolean;
  tapEnabled: boolean;
  fido2Enabled: boolean;
  /** `id: state` of every configuration, for the drill-down. */
  methods: Record<string, string>;
}

export function deriveAuthMethodsPolicy(p: AuthenticationMethodsPolicy): AuthMethodsPolicyValue {
  const methods: Record<string, string> = {};
  for (const c of p.authenticationMethodConfigurations) methods[c.id] = c.state;
  const on = (id: string) => Object.entries(methods).some(([k, v]) => k.toLowerCase() === id.toLowerCase() && v.toLowerCase() === 'enabled');
  const sms = on('Sms');
  const voice = on('Voice');
  return {
    smsEnabled: sms,
    voiceEnabled: voice,
    weakMethodsEnabled: sms || voice,
    numberMatching: true,
    numberMatchingSource: 'enforced_by_microsoft',
    authenticatorEnabled: on('MicrosoftAuthenticator'),
    tapEnabled: on('TemporaryAccessPass'),
    fido2Enabled: on('Fido2'),
    methods,
  };
}
