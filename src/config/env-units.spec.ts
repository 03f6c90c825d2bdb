import { parseByteSize, secondsToMs } from './env-units';

describe('parseByteSize', () => {
  it.each([
    ['1048576', 1_048_576],
    ['512b', 512],
    ['512kb', 524_288],
    ['1mb', 1_048_576],
    ['1MB', 1_048_576],
    ['2 mb', 2_097_152],
    ['1gb', 1_073_741_824],
  ])('reads %p as %p bytes', (raw, expected) => {
    expect(parseByteSize(raw)).toBe(expected);
  });

  it.each(['0', '0kb', '-1', '1.5mb', 'lots', '1tb', 'mb', '1k'])('reads %p as no size', (raw) => {
    expect(parseByteSize(raw)).toBeNaN();
  });
});

describe('secondsToMs', () => {
  it.each([
    [60, 60_000],
    [0.5, 500],
    [0.001, 1],
    [2.5, 2_500],
  ])('reads %p seconds as %p ms', (seconds, expected) => {
    expect(secondsToMs(seconds)).toBe(expected);
  });
});
