/**
 * One buffer reused by every body that needs bytes only until its next await (a parse), instead of a new
 * buffer a body: a new buffer outlives its request when the request waits long enough to be promoted, and
 * its memory then stays mapped until a full collection (50-60 MB of array buffers under ten connections in
 * the bench). Each use holds its own instance, so two uses in one parse never share bytes.
 */
export class ScratchBuffer {
  #buffer: Buffer;

  constructor(
    initialBytes: number,
    /** Larger requests get no scratch: the caller makes a buffer of their own rather than keep one this big. */
    private readonly maxBytes = 4 * 1024 * 1024,
  ) {
    this.#buffer = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** `size` bytes of the buffer, valid until the next call; undefined above `maxBytes`. */
  take(size: number): Buffer | undefined {
    if (size > this.maxBytes) return undefined;
    if (this.#buffer.length < size)
      this.#buffer = Buffer.allocUnsafeSlow(Math.min(this.maxBytes, 2 ** Math.ceil(Math.log2(size))));
    return this.#buffer.subarray(0, size);
  }
}
