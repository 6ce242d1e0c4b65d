/**
 * Where each point's readings go, resolved once rather than per reading: the engine's index (-1: no rules), the
 * store's (-1: not registered), the latest-values slot (-1: not kept) and whether it is a valve's limit switch. A
 * source resolves a point's id to its route (`indexOf`) when it is built (the Modbus poller, per device point) and
 * hands its readings over by route (`ReadingRows.point`). A route is the point's for the process's life, so a poller a
 * reload keeps keeps its routes; what a route leads to is resolved again after every reload (`refresh`).
 */
export interface RouteTargets {
  engineIndex(pointId: string): number;
  storeIndex(pointId: string): number;
  latestSlot(pointId: string): number;
  isFeedback(pointId: string): boolean;
}

export class PointRoutes {
  private readonly routeById = new Map<string, number>();
  private readonly ids: string[] = [];
  /** Per route: the engine's index, the store's, the latest-values slot; 1 for a limit switch. Read, don't write. */
  engine = new Int32Array(0);
  store = new Int32Array(0);
  latest = new Int32Array(0);
  feedback = new Uint8Array(0);

  constructor(private readonly targets: RouteTargets) {}

  /** The point's route, made and resolved on first use. */
  indexOf(pointId: string): number {
    let route = this.routeById.get(pointId);
    if (route === undefined) {
      route = this.ids.length;
      this.ids.push(pointId);
      this.routeById.set(pointId, route);
      if (route === this.engine.length) this.grow();
      this.resolve(route);
    }
    return route;
  }

  /** Resolves every route again: after the engine, the store's points, the latest values or the outputs changed. */
  refresh(): void {
    for (let route = 0; route < this.ids.length; route += 1) this.resolve(route);
  }

  private resolve(route: number): void {
    const pointId = this.ids[route]!;
    this.engine[route] = this.targets.engineIndex(pointId);
    this.store[route] = this.targets.storeIndex(pointId);
    this.latest[route] = this.targets.latestSlot(pointId);
    this.feedback[route] = this.targets.isFeedback(pointId) ? 1 : 0;
  }

  private grow(): void {
    const capacity = Math.max(64, this.engine.length * 2);
    const grown = <T extends Int32Array | Uint8Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.engine = grown(this.engine, new Int32Array(capacity));
    this.store = grown(this.store, new Int32Array(capacity));
    this.latest = grown(this.latest, new Int32Array(capacity));
    this.feedback = grown(this.feedback, new Uint8Array(capacity));
  }
}
