import { Transform, type TransformCallback } from 'node:stream';

/** The request body went over its limit (the stream fails with it). */
export class BodyTooLarge extends Error {}

/** Passes bytes through until `max` of them went by, then fails the stream. */
export function limit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > max) callback(new BodyTooLarge());
      else callback(null, chunk);
    },
  });
}
