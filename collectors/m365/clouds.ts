/**
 * National cloud endpoints. Each sovereign cloud has its own Graph host and its own login authority; a token
 * from one is worthless at another, so both come from the same choice.
 * Sources: learn.microsoft.com/graph/deployments (Graph hosts) and @azure/identity AzureAuthorityHosts.
 */
import type { M365Config, NationalCloud } from './config.js';

export interface ResolvedCloud {
  /** 'global' | 'usgov' | 'usgovdod' | 'china' | 'custom'. */
  name: NationalCloud | 'custom';
  /** e.g. https://graph.microsoft.com (no trailing slash). */
  graphEndpoint: string;
  /** e.g. https://login.microsoftonline.com (no trailing slash). */
  authorityHost: string;
  /** `${graphEndpoint}/.default`: app-only tokens always ask for the static permissions granted to the app. */
  scope: string;
  /** `${graphEndpoint}/v1.0`: the only Graph version this collector calls (beta is not supported for production). */
  baseUrl: string;
  /** Host name (no port) the Graph client must treat as Graph to attach the bearer token. */
  graphHost: string;
  /** Origin of the Graph endpoint, used to build $batch sub-request URLs. */
  graphOrigin: string;
  custom: boolean;
  /** APIs Microsoft does not offer in every cloud (learn.microsoft.com API pages, "national cloud deployments"). */
  features: { secureScore: boolean; authenticationMethods: boolean };
}

interface CloudDefinition {
  graphEndpoint: string;
  authorityHost: string;
  features: ResolvedCloud['features'];
}

export const CLOUDS: Readonly<Record<NationalCloud, CloudDefinition>> = {
  global: {
    graphEndpoint: 'https://graph.microsoft.com',
    authorityHost: 'https://login.microsoftonline.com',
    features: { secureScore: true, authenticationMethods: true },
  },
  usgov: {
    graphEndpoint: 'https://graph.microsoft.us',
    authorityHost: 'https://login.microsoftonline.us',
    features: { secureScore: true, authenticationMethods: true },
  },
  usgovdod: {
    graphEndpoint: 'https://dod-graph.microsoft.us',
    authorityHost: 'https://login.microsoftonline.us',
    features: { secureScore: true, authenticationMethods: true },
  },
  // 21Vianet: Secure Score and the per-user authentication methods API are not offered there.
  china: {
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    features: { secureScore: false, authenticationMethods: false },
  },
};

export function resolveCloud(cloud: M365Config['cloud']): ResolvedCloud {
  const custom = typeof cloud !== 'string';
  const def: CloudDefinition = custom
    ? { ...cloud, features: { secureScore: true, authenticationMethods: true } }
    : CLOUDS[cloud];
  const graphEndpoint = def.graphEndpoint.replace(/\/+$/, '');
  const url = new URL(graphEndpoint);
  return {
    name: custom ? 'custom' : cloud,
    graphEndpoint,
    authorityHost: def.authorityHost.replace(/\/+$/, ''),
    scope: `${graphEndpoint}/.default`,
    baseUrl: `${graphEndpoint}/v1.0`,
    graphHost: url.hostname,
    graphOrigin: url.origin,
    custom,
    features: def.features,
  };
}
