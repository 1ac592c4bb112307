/**
 * Browser hardening on every answer: a Content-Security-Policy that allows only this origin's scripts (antd writes
 * its styles inline, QR codes are data: images, the sampler's camera is a blob: stream), no framing, no MIME
 * sniffing, no Referer (the self-report secret travels in its URL), and no caching of anything the API answers
 * (personal data must not stay in a shared browser's or proxy's cache). HSTS only in production, behind HTTPS.
 */
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function installSecurityHeaders(app: FastifyInstance, production: boolean): void {
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(self), microphone=(), geolocation=()');
    if (production) reply.header('strict-transport-security', 'max-age=31536000');
    // Every API answer may carry personal data; the web app's files set their own caching (static.ts).
    if (req.url.startsWith('/api/')) {
      reply.header('cache-control', 'no-store');
      reply.header('pragma', 'no-cache');
    }
    return payload;
  });
}
