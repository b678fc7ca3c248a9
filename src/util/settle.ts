/**
 * Waiting on work that may never finish (a peer that stopped answering) without hanging the
 * caller: stopping a process must take bounded time even when the network is black-holed.
 */

/** true when `promise` settled (either way) within `ms`; the work itself is not cancelled */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
