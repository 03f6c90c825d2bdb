import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_VARIABLES } from './environment-variables';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

describe('the documented configuration', () => {
  const variables = Object.entries(ENVIRONMENT_VARIABLES).map(([name, spec]) => ({
    name,
    defaultValue: 'default' in spec ? spec.default : undefined,
  }));

  it('lists every variable, with its default, in the README table', () => {
    const table = read('README.md')
      .split('<!-- config-table:start -->')[1]!
      .split('<!-- config-table:end -->')[0]!;
    const rows = table.split('\n').filter((line) => line.startsWith('| `'));

    expect(rows.map((row) => /^\| `([A-Z_]+)`/.exec(row)?.[1])).toEqual(
      variables.map((v) => v.name),
    );
    for (const { name, defaultValue } of variables) {
      const row = rows.find((line) => line.startsWith(`| \`${name}\``))!;
      expect(row.split('|')[2]!.trim()).toBe(
        defaultValue === undefined ? '—' : `\`${defaultValue}\``,
      );
    }
  });

  it('lists every variable, with its default, in .env.example', () => {
    const lines = read('.env.example').split('\n');

    for (const { name, defaultValue } of variables) {
      expect(lines).toContain(
        defaultValue === undefined ? `# ${name}=` : `${name}=${defaultValue}`,
      );
    }
  });
});
