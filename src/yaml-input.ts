import { LineCounter, parseDocument, isNode, type Document, type Node } from 'yaml';
import { ChaseError } from './core/errors.js';

/** A parsed YAML file that can point at the line and column of any of its nodes. */
export interface YamlSource {
  file: string;
  document: Document;
  lineCounter: LineCounter;
}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  const problem = document.errors[0];
  if (problem) {
    const position = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
    const where = position ? `${file}:${position.line}:${position.col}` : file;
    throw new ChaseError(`${where}: ${problem.message.split('\n')[0]}`, {
      hint: 'fix the YAML syntax there; nothing was changed',
    });
  }
  return { file, document, lineCounter };
}

export function locate(source: YamlSource, node: unknown): string {
  if (isNode(node) && (node as Node).range) {
    const { line, col } = source.lineCounter.linePos((node as Node).range![0]);
    return `${source.file}:${line}:${col}`;
  }
  return source.file;
}

/** "chase.yaml:12:13: invoices[2].amount: expected an amount like 1200.00, got "12,00"" */
export function invalidField(source: YamlSource, node: unknown, field: string, problem: string, hint?: string): ChaseError {
  return new ChaseError(`${locate(source, node)}: ${field}: ${problem}`, { hint: hint ?? 'fix the file and run the command again; nothing was changed' });
}
