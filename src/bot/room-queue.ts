/**
 * Runs events for one space one after another, in arrival order. The framework drops a message that
 * arrives while it is still setting up that space (its "spawn" for a new 1:1 space, started by the
 * membership event that arrives at the same moment); waiting for the earlier event avoids that.
 */
export class RoomQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(roomId: string, task: () => Promise<unknown>): Promise<void> {
    const previous = this.tails.get(roomId) ?? Promise.resolve();
    const next = previous.then(task).then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(roomId, next);
    void next.then(() => {
      if (this.tails.get(roomId) === next) this.tails.delete(roomId);
    });
    return next;
  }

}
