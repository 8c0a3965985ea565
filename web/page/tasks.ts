/**
 * Work cut into pieces, each run as a task of its own, so none holds input
 * long: `nextTask` at once, `afterNextFrame` once the browser has drawn a frame.
 * @module
 */

/** A message channel runs the next chunk as its own task, without setTimeout's 4 ms clamp. */
const channel = new MessageChannel();
const tasks: Array<() => void> = [];
channel.port1.onmessage = () => tasks.shift()?.();

/**
 * Runs `fn` as a task of its own, after the tasks already waiting.
 * @param fn the piece of work
 */
export function nextTask(fn: () => void): void {
  tasks.push(fn);
  channel.port2.postMessage(null);
}

/**
 * The next chunk runs after the next frame: each frame then lays out one
 * chunk's cards. Chunks run back to back piled up hundreds of cards into one
 * frame's layout (80–200 ms of style and layout, on a slowed page, issue 17).
 * A hidden page draws no frames: its chunks run as plain tasks.
 * @param fn the piece of work
 */
export function afterNextFrame(fn: () => void): void {
  if (document.hidden) return nextTask(fn);
  requestAnimationFrame(() => nextTask(fn));
}
