import { describe, expect, it } from 'vitest';
import { httpsUrl, httpsUrlProblem, withoutTrailingSlashes } from './https-url.js';

describe('vendor URLs', () => {
  it('names what is wrong with a URL', () => {
    expect(httpsUrlProblem('https://eu.example.com/prefix')).toBeNull();
    expect(httpsUrlProblem('not a url')).toBe('not-a-url');
    expect(httpsUrlProblem('http://eu.example.com')).toBe('not-https');
    for (const extras of ['https://eu.example.com/?a=1', 'https://eu.example.com/#x', 'https://user:pw@eu.example.com']) expect(httpsUrlProblem(extras)).toBe('extras');
  });

  it('refuses with the vendor message, trims when asked, and drops trailing slashes in the transform', () => {
    const schema = httpsUrl('must be the instance URL', { trim: true }).transform(withoutTrailingSlashes);
    expect(schema.parse('  https://eu.example.com//  ')).toBe('https://eu.example.com');
    const r = schema.safeParse('http://eu.example.com');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('must be the instance URL');
  });
});
