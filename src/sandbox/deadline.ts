/**
 * Runs one E2B request under a deadline this process owns. The SDK's own request timeout is an
 * `AbortSignal.timeout`, which Node holds only weakly: when a garbage collection runs while the
 * request waits, the timer is dropped and a request E2B never answers waits forever (reproduced
 * against the local E2B stand-in with frequent GCs). Our timer is a strong reference, and the
 * race settles even if the SDK ignored the abort.
 */
export async function withDeadline<T>(ms: number, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException(`no answer within ${ms} ms`, 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, ms);
  });
  try {
    return await Promise.race([request(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
