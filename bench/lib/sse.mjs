const EVENT_END = /\r?\n\r?\n/;

/**
 * Incremental parser of `data:` Server-Sent Events, fed with text as it arrives.
 *
 * @param {(data: string) => void} onData called with each event's data
 * @returns {(text: string) => number} feeds text; returns the number of events it completed
 */
export function createSseParser(onData) {
  let buffer = '';
  return (text) => {
    buffer += text;
    let completed = 0;
    let separator;
    while ((separator = EVENT_END.exec(buffer)) !== null) {
      const block = buffer.slice(0, separator.index);
      buffer = buffer.slice(separator.index + separator[0].length);
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
        .join('\n');
      if (data !== '') {
        completed++;
        onData(data);
      }
    }
    return completed;
  };
}
