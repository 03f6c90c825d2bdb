import { backoffDelayMs, withRetries } from './retry-policy';
import {
  RequestAbortedError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamUnavailableError,
} from './upstream.errors';

const noSignal = () => new AbortController().signal;

describe('backoffDelayMs', () => {
  it('is a random share of base × 2^retry (full jitter)', () => {
    expect(backoffDelayMs(0, 100, () => 1)).toBe(100);
    expect(backoffDelayMs(3, 100, () => 1)).toBe(800);
    expect(backoffDelayMs(3, 100, () => 0.25)).toBe(200);
    expect(backoffDelayMs(3, 100, () => 0)).toBe(0);
  });

  it('never exceeds the cap of 10 s', () => {
    expect(backoffDelayMs(20, 1000, () => 1)).toBe(10_000);
  });
});

describe('withRetries', () => {
  const options = { maxRetries: 2, baseDelayMs: 1 };

  it('retries a retryable failure up to maxRetries times, then throws it', async () => {
    const sut = jest.fn().mockRejectedValue(new UpstreamUnavailableError());

    await expect(withRetries(sut, options, noSignal())).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(sut).toHaveBeenCalledTimes(3);
  });

  it('returns the first success and numbers the attempts', async () => {
    const sut = jest
      .fn()
      .mockRejectedValueOnce(new UpstreamUnavailableError())
      .mockResolvedValueOnce('answer');

    await expect(withRetries(sut, options, noSignal())).resolves.toBe('answer');
    expect(sut.mock.calls).toEqual([[1], [2]]);
  });

  it('does not retry an error that another attempt cannot cure', async () => {
    const sut = jest.fn().mockRejectedValue(new UpstreamError('rejected'));

    await expect(withRetries(sut, options, noSignal())).rejects.toBeInstanceOf(UpstreamError);
    expect(sut).toHaveBeenCalledTimes(1);
  });

  it("waits the provider's Retry-After instead of the backoff", async () => {
    const calls: number[] = [];
    const sut = jest.fn(() => {
      calls.push(Date.now());
      return calls.length === 1
        ? Promise.reject(new UpstreamRateLimitedError(150))
        : Promise.resolve('ok');
    });

    await withRetries(sut, { maxRetries: 1, baseDelayMs: 0 }, noSignal());

    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(145);
  });

  it('passes on at once a Retry-After longer than it is willing to wait', async () => {
    const sut = jest.fn().mockRejectedValue(new UpstreamRateLimitedError(60_000));

    const error = await withRetries(sut, options, noSignal()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamRateLimitedError);
    expect((error as UpstreamRateLimitedError).retryAfterSeconds).toBe(60);
    expect(sut).toHaveBeenCalledTimes(1);
  });

  it('stops waiting between attempts when the caller aborts', async () => {
    const controller = new AbortController();
    const sut = jest.fn().mockRejectedValue(new UpstreamUnavailableError());
    // The full 5 s wait, not a random share of it that could end before the abort.
    const running = withRetries(
      sut,
      { maxRetries: 5, baseDelayMs: 5_000, random: () => 1 },
      controller.signal,
    );

    setTimeout(() => controller.abort(), 20);

    await expect(running).rejects.toBeInstanceOf(RequestAbortedError);
    expect(sut).toHaveBeenCalledTimes(1);
  });
});
