import { durationText, errorText } from './page/error-text';

describe('errorText, the page explaining a failed call', () => {
  const now = new Date('2026-01-01T12:00:00Z');

  it('says when to retry a 429, from retry_after', () => {
    const sut = errorText(
      429,
      {
        error: 'rate_limit_exceeded',
        message: 'Too many requests; slow down.',
        request_id: 'r1',
        retry_after: 42,
      },
      now,
    );

    expect(sut).toContain('Too many requests; slow down.');
    expect(sut).toContain('Try again in 42 seconds (at ');
    expect(sut).toContain(new Date(now.getTime() + 42_000).toLocaleTimeString());
    expect(sut).toContain('(rate_limit_exceeded, HTTP 429, request r1)');
  });

  it('asks for an API key on a 401', () => {
    const sut = errorText(401, { error: 'unauthorized', message: 'A valid API key is required.' });

    expect(sut).toContain('Enter a valid API key under Settings.');
  });

  it('lists the fields a 422 names', () => {
    const sut = errorText(422, {
      error: 'validation_error',
      message: 'The request is not valid.',
      details: [{ field: 'temperature', message: 'must not be greater than 2' }],
    });

    expect(sut).toContain('temperature: must not be greater than 2.');
  });

  it('says only the status when the body is not the contract shape', () => {
    expect(errorText(502, '<html>bad gateway</html>')).toBe(
      'The service answered HTTP 502 without an explanation.',
    );
  });
});

describe('durationText', () => {
  it.each([
    [1, '1 second'],
    [0.2, '1 second'],
    [65, '1 minute 5 seconds'],
    [7200, '2 hours'],
  ])('writes %s s as "%s"', (seconds, text) => {
    expect(durationText(seconds)).toBe(text);
  });
});
