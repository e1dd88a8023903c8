/** Epoch milliseconds with sub-millisecond precision, for latency figures measured at the simulator. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();
