import { describe, expect, it } from 'vitest';
import { httpUrlProblem } from './http-url.js';

describe('httpUrlProblem', () => {
  it.each(['http://127.0.0.1:3000/webhooks', 'https://shop.example/n?x=1#f', 'http://user:pw@host:8080/', 'http://[::1]:3000/w', 'HTTPS://Shop.Example'])('accepts %s', (url) => {
    expect(httpUrlProblem(url)).toBeNull();
  });

  it.each([
    ['CR/LF', 'http://shop.example/a\r\nX-Injected: 1', /control|spaces/],
    ['a tab', 'http://shop.example/\ta', /control|spaces/],
    ['a leading space', ' http://shop.example/', /spaces/],
    ['a trailing space', 'http://shop.example/ ', /spaces/],
    ['a non-breaking space', 'http://shop.example/\u00a0', /spaces/],
    ['DEL', 'http://shop.example/\u007f', /control/],
    ['an empty host', 'http:///x', /host/],
    ['only userinfo', 'http://user@/x', /host/],
    ['only a port', 'http://:80/x', /host/],
    ['no scheme', 'shop.example/webhooks', /absolute/],
    ['another scheme', 'ftp://shop.example/', /absolute/],
    ['one slash', 'http:/shop.example', /absolute/],
  ])('refuses %s', (_, url, message) => {
    expect(httpUrlProblem(url)).toMatch(message);
  });
});
