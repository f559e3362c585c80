/**
 * The newest restore point of one backup object: `GET <restorePointsPath>?backupObjectIdFilter=<id>
 * &orderColumn=CreationTime&orderAsc=false&limit=1`. The maximum over whatever rows come back is taken, so a server
 * that ignores the sort or the limit still yields the newest point of that page.
 */
import type { VendorHttp } from '../../src/http/client.js';
import { newestRestorePointQuery } from './endpoints.js';
import { restorePointsPage } from './schema.js';

/** Epoch ms (UTC) of the newest restore point, or null when the object has none. */
export async function newestRestorePoint(http: VendorHttp, path: string, backupObjectId: string): Promise<number | null> {
  const page = await http.get(path, restorePointsPage, { params: newestRestorePointQuery(backupObjectId) });
  let newest: number | null = null;
  for (const point of page.data) if (newest === null || point.creationTime > newest) newest = point.creationTime;
  return newest;
}
