// The operator dashboard, built by Vite into apps/dashboard/dist and served on the API's own origin, so
// its session cookie and CSRF token need no cross-origin rules. Hashed assets are cached for good;
// index.html answers every other GET outside /api and /admin (the dashboard routes in the browser) and
// is never cached, so a new build reaches operators at their next page load.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import helmet from 'helmet';

export const DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));

const NOT_BUILT = 'The dashboard is not built yet: run `npm run build -w @tokenfleet/dashboard` (`npm start` builds it). The API under /api/v1 works without it.';

export function dashboardRouter(distDir = DASHBOARD_DIST): Router {
  const router = express.Router();
  // Nothing in the build is inline, so the default strict policy (script-src 'self') holds.
  router.use(helmet());
  router.use('/assets', express.static(join(distDir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  router.use(express.static(distDir, { index: false, maxAge: 0 }));
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/api/') || req.path.startsWith('/admin/')) return next();
    const index = join(distDir, 'index.html');
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send(NOT_BUILT);
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
