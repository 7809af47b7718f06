/**
 * A merchant's notify endpoint as Alipay's docs tell merchants to write it: parse the form, verify with
 * alipay-sdk (both verifiers are recorded), answer `success` only when the signature verifies.
 */
import type { AddressInfo } from 'node:net';
import type { AlipaySdk } from 'alipay-sdk';
import express from 'express';

export interface ReceivedNotification {
  fields: Record<string, string>;
  v1: boolean;
  v2: boolean;
}

export interface NotifyReceiver {
  url: string;
  received: ReceivedNotification[];
  close(): Promise<void>;
}

export async function startNotifyReceiver(sdk: AlipaySdk): Promise<NotifyReceiver> {
  const received: ReceivedNotification[] = [];
  const app = express();
  app.post('/alipay/notify', express.urlencoded({ extended: false }), (req, res) => {
    const fields = req.body as Record<string, string>;
    let v1 = false;
    try {
      v1 = sdk.checkNotifySign(fields);
    } catch {
      v1 = false;
    }
    const v2 = sdk.checkNotifySignV2(fields);
    received.push({ fields, v1, v2 });
    res.status(200).type('text/plain').send(v1 && v2 ? 'success' : 'fail');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alipay/notify`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
