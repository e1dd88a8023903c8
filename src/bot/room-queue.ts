/**
 * Runs events for one space one after another, in arrival order. The framework drops a message that
 * arrives while it is still setting up that space (its "spawn" for a new 1:1 space, started by the
 * membership event that arrives at the same moment); waiting for the earlier event avoids that.
 */
export class RoomQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves or rejects as `task` does; the next task for the space starts either way. */
  run<T>(roomId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(roomId) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(roomId, tail);
    void tail.then(() => {
      if (this.tails.get(roomId) === tail) this.tails.delete(roomId);
    });
    return result;
  }
}
