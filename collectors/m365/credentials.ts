/**
 * The app's credential, one of four modes (config.ts CREDENTIAL_FIELDS), all through @azure/identity. `clientId` is
 * the MSP's multi-tenant app registration in every mode and `tenantId` the customer tenant the token is for:
 *
 *   clientSecret       ClientSecretCredential(tenant, app, secret)
 *   certificatePath    ClientCertificateCredential(tenant, app, { certificate: PEM }) — a PFX is converted to PEM in
 *                      memory first (@azure/identity reads PEM only); an encrypted PEM key is decrypted the same way
 *   managedIdentity    ClientAssertionCredential(tenant, app, () => ManagedIdentityCredential({ clientId? })
 *                      .getToken(<token-exchange audience>)): the managed identity is a federated identity credential
 *                      of the app registration ("configure an application to trust a managed identity"), so no
 *                      secret exists anywhere, and the one app still reaches every consented customer tenant
 *   workloadIdentity   WorkloadIdentityCredential({ tenant, app, tokenFilePath }): the Kubernetes service-account
 *                      token (AKS / Container Apps workload identity) is the assertion
 *
 * Each mode also has a one-line description (`describe`) that `ratchet doctor` prints, naming which credential was
 * used without any secret.
 */
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type ClientSecretCredentialOptions,
  type TokenCredential,
} from '@azure/identity';
import { ClientCertificateError, readClientCertificate } from '../../src/collector-kit/client-certificate.js';
import type { ResolvedCloud } from './clouds.js';
import type { CredentialField, M365Config } from './config.js';

/**
 * The audience a federated token must carry to be exchanged for an app token, per cloud (learn.microsoft.com, "Configure
 * an application to trust a managed identity"). It is also the audience of the app's federated identity credential.
 */
export function tokenExchangeAudience(cloud: Pick<ResolvedCloud, 'name'>): string {
  switch (cloud.name) {
    case 'usgov':
    case 'usgovdod':
      return 'api://AzureADTokenExchangeUSGov';
    case 'china':
      return 'api://AzureADTokenExchangeChina';
    default:
      return 'api://AzureADTokenExchange';
  }
}

/** A credential and what doctor says about it. */
export interface DescribedCredential {
  credential: TokenCredential;
  /** e.g. "client certificate 769AD6… from PFX", "managed identity (system-assigned) via federated credential". */
  description: string;
}

/** Which credential field the (validated) section uses. */
export function credentialField(config: Pick<M365Config, CredentialField>): CredentialField {
  if (config.clientSecret !== undefined) return 'clientSecret';
  if (config.certificatePath !== undefined) return 'certificatePath';
  if (config.managedIdentity !== undefined) return 'managedIdentity';
  if (config.workloadIdentity !== undefined) return 'workloadIdentity';
  // The config schema guarantees one; keep the type checker and future edits honest.
  throw new Error('the m365 section names no credential (clientSecret, certificatePath, managedIdentity or workloadIdentity)');
}

/** The token file a workloadIdentity credential reads: the configured one, else what the AKS webhook injects. */
export function workloadTokenFile(config: Pick<M365Config, 'workloadIdentity'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return config.workloadIdentity?.tokenFilePath ?? (env.AZURE_FEDERATED_TOKEN_FILE || undefined);
}

/**
 * Bounds an assertion callback: MSAL neither passes an abort signal to it nor times it out, and a managed identity
 * endpoint that does not exist (IMDS off Azure) can hang for minutes.
 */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The gist of a managed identity failure: the endpoint's own sentence out of MSAL's "Error(s): … - Description: … -
 * Correlation ID: …" wrapping, or where the identity should have come from when no endpoint answered.
 */
export function managedIdentityFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const description = /Description:\s*(.*?)\s*(?:- Correlation ID:|- Trace ID:|$)/s.exec(message)?.[1]?.trim();
  if (description && description !== 'Not Available') return description;
  if (/network_error|Network unreachable|ENETUNREACH|EHOSTUNREACH|ECONNREFUSED/.test(message)) {
    return 'no managed identity endpoint answered (off Azure there is none; on App Service and Container Apps the platform sets IDENTITY_ENDPOINT, on a VM IMDS answers at 169.254.169.254)';
  }
  return message.split('\n')[0] ?? message;
}

/**
 * Build the section's credential. `options` carry the authority host, instance discovery and pipeline policies every
 * mode shares. Throws an Error naming the field and the fix when the credential cannot be built (unreadable
 * certificate, wrong certificatePassword, no workload token file); never a secret in the message.
 */
export function buildCredential(config: M365Config, cloud: ResolvedCloud, options: ClientSecretCredentialOptions, env: NodeJS.ProcessEnv = process.env): DescribedCredential {
  switch (credentialField(config)) {
    case 'clientSecret':
      return { credential: new ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret!, options), description: 'client secret' };

    case 'certificatePath': {
      const path = config.certificatePath!;
      let certificate;
      try {
        certificate = readClientCertificate(path, {
          password: config.certificatePassword,
          // A `${file:…}` reference puts the PEM itself in place of the path.
          ...(path.includes('-----BEGIN ') ? { shown: 'the PEM given in certificatePath' } : {}),
        });
      } catch (err) {
        if (err instanceof ClientCertificateError) throw new Error(`certificatePath: ${err.message}`, { cause: err });
        throw err;
      }
      return {
        credential: new ClientCertificateCredential(config.tenantId, config.clientId, { certificate: certificate.pem }, options),
        description: `client certificate ${certificate.thumbprint} from ${certificate.format}`,
      };
    }

    case 'managedIdentity': {
      const miClientId = config.managedIdentity!.clientId;
      // The managed identity's own token comes from the host (App Service / Container Apps IDENTITY_ENDPOINT, IMDS
      // on VMs); only its policies are shared, not the Entra authority.
      const managed = new ManagedIdentityCredential({ ...(miClientId ? { clientId: miClientId } : {}), additionalPolicies: options.additionalPolicies });
      const scope = `${tokenExchangeAudience(cloud)}/.default`;
      const which = miClientId ? `user-assigned ${miClientId}` : 'system-assigned';
      const timeoutMs = config.timeoutMs;
      const getAssertion = async (): Promise<string> => {
        try {
          const token = await within(timeoutMs, `the managed identity endpoint (${which})`, managed.getToken(scope));
          return token.token;
        } catch (err) {
          // MSAL keeps only the message of what the callback throws: make it say where the assertion failed.
          throw new Error(`managed identity (${which}) got no ${tokenExchangeAudience(cloud)} token: ${managedIdentityFailure(err)}`, { cause: err });
        }
      };
      return {
        credential: new ClientAssertionCredential(config.tenantId, config.clientId, getAssertion, options),
        description: `managed identity (${which}) via federated credential`,
      };
    }

    case 'workloadIdentity': {
      const tokenFilePath = workloadTokenFile(config, env);
      if (!tokenFilePath) {
        throw new Error(
          'workloadIdentity: no token file: set workloadIdentity.tokenFilePath, or run where the workload identity webhook sets AZURE_FEDERATED_TOKEN_FILE (AKS pod labelled azure.workload.identity/use: "true")',
        );
      }
      return {
        credential: new WorkloadIdentityCredential({ ...options, tenantId: config.tenantId, clientId: config.clientId, tokenFilePath }),
        description: `workload identity (token file ${tokenFilePath})`,
      };
    }
  }
}
