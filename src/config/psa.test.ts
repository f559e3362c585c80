/** The `psa:` block and `tenants[].psa` at load (DESIGN §13): errors name their path and the fix; warnings say who gets no ticket. */
import { describe, expect, it } from 'vitest';
import { PLUGINS } from '../../collectors/index.js';
import { PSA_PROVIDERS } from '../../psa/index.js';
import { ConfigError, parseConfig } from './load.js';

const TENANT = '00000000-0000-0000-0000-0000000000c0';
const env = { CW_PRIVATE_KEY: 'cw-private-key-value', GRAPH_SECRET: 'graph-secret-value-1' };
const m365 = { tenantId: TENANT, clientId: '99999999-8888-7777-6666-555555555555', clientSecret: '${env:GRAPH_SECRET}' };
const connectwise = {
  provider: 'connectwise',
  baseUrl: 'https://na.myconnectwise.net',
  companyId: 'mymsp',
  publicKey: 'AbCdEf123456',
  privateKey: '${env:CW_PRIVATE_KEY}',
  clientId: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  board: 'Maturity',
};
const config = (psa: unknown, tenants: unknown[] = [{ id: 'contoso', name: 'Contoso Ltd', m365, psa: { company: 19342 } }]) => ({ ...(psa === undefined ? {} : { psa }), tenants });

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, PLUGINS, env, undefined, { psa: PSA_PROVIDERS });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('psa config', () => {
  it('accepts a ConnectWise block with defaults applied and ticketOn defaulting to regressions', () => {
    const { config: loaded, warnings } = parseConfig(config(connectwise), PLUGINS, env, undefined, { psa: PSA_PROVIDERS });
    expect(loaded.psa).toMatchObject({ provider: 'connectwise', ticketOn: ['regression'], settings: { board: 'Maturity', closedStatus: '>Closed', privateKey: 'cw-private-key-value' } });
    expect(loaded.tenants[0]!.psa).toEqual({ company: 19342 });
    expect(warnings).toEqual([]);
  });

  it('names the path and the fix of every mistake', () => {
    expect(problemsOf(config({ ...connectwise, provider: 'servicenow' }))).toEqual([expect.stringMatching(/^psa\.provider: unknown PSA "servicenow" \(available: connectwise, autotask, halopsa\)/)]);
    const { board: _board, ...noBoard } = connectwise;
    expect(problemsOf(config(noBoard))).toEqual([expect.stringMatching(/^psa\.board: /)]);
    expect(problemsOf(config({ ...connectwise, baseUrl: 'http://na.myconnectwise.net' }))).toEqual([expect.stringMatching(/^psa\.baseUrl: .*https/)]);
    expect(problemsOf(config({ ...connectwise, ticketOn: ['regresion'] }))).toEqual([expect.stringMatching(/^psa\.ticketOn\[0\]: use regression or lost_visibility/)]);
    expect(problemsOf(config({ ...connectwise, boardd: 'x' }))).toEqual([expect.stringMatching(/^psa\.boardd: unknown key/)]);
    expect(problemsOf(config(connectwise, [{ id: 'contoso', name: 'Contoso Ltd', m365, psa: { company: 'contoso' } }]))).toEqual([expect.stringMatching(/^tenants\[0\]\.psa\.company: must be the numeric company/)]);
  });

  it('refuses a tenant company without a psa block', () => {
    expect(problemsOf(config(undefined))).toEqual([expect.stringMatching(/^tenants\[0\]\.psa: names a PSA company, but there is no psa: block/)]);
  });

  it('warns about tenants without a company and about a literal secret', () => {
    const { warnings } = parseConfig(
      config({ ...connectwise, privateKey: 'literal-private-key' }, [
        { id: 'contoso', name: 'Contoso Ltd', m365, psa: { company: 19342 } },
        { id: 'fabrikam', name: 'Fabrikam', m365 },
      ]),
      PLUGINS,
      env,
      undefined,
      { psa: PSA_PROVIDERS },
    );
    expect(warnings).toEqual([
      expect.stringMatching(/^psa: 1 tenant\(s\) have no psa\.company, so their regressions open no ticket: fabrikam/),
      expect.stringMatching(/^psa\.privateKey: holds a literal secret/),
    ]);
  });
});
