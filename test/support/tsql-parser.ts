/**
 * An independent T-SQL grammar for tests: antlr4ts-sql 1.1.0, the ANTLR grammars-v4 TSqlParser
 * (it understands table hints, OUTPUT, OPENJSON ... WITH, DELETE TOP). Syntax errors of the lexer
 * and the parser are collected instead of printed, so a test can assert there are none.
 *
 * Import paths are the package's generated files (its index and antlr4ts' index fail to load), and
 * antlr4ts is pinned to 0.5.0-alpha.4 (0.5.0-dev, which npm resolves by default, fails to load).
 */
import { BailErrorStrategy } from 'antlr4ts/BailErrorStrategy';
import { CharStreams } from 'antlr4ts/CharStreams';
import { PredictionMode } from 'antlr4ts/atn/PredictionMode';
import { ParseCancellationException } from 'antlr4ts/misc/ParseCancellationException';
import { CommonTokenStream } from 'antlr4ts/CommonTokenStream';
import type { ANTLRErrorListener } from 'antlr4ts/ANTLRErrorListener';
import type { Recognizer } from 'antlr4ts/Recognizer';
import type { ATNSimulator } from 'antlr4ts/atn/ATNSimulator';
import type { RecognitionException } from 'antlr4ts/RecognitionException';
import { TSqlLexer } from 'antlr4ts-sql/dist/src/grammar-output/tsql/TSqlLexer';
import { TSqlParser } from 'antlr4ts-sql/dist/src/grammar-output/tsql/TSqlParser';

export interface TsqlParseResult {
  /** "line:column message" per syntax error; empty when the text parses. */
  errors: string[];
}

/** Longest error message kept (the grammar lists every expected token, thousands of characters). */
const MAX_MESSAGE = 240;

function collector<T>(errors: string[], source: string): ANTLRErrorListener<T> {
  return {
    syntaxError: (_recognizer: Recognizer<T, ATNSimulator>, _symbol: T | undefined, line: number, column: number, msg: string) => {
      const short = msg.length > MAX_MESSAGE ? `${msg.slice(0, MAX_MESSAGE)}...` : msg;
      errors.push(`${source} ${line}:${column} ${short}`);
    },
  };
}

/**
 * Parses one T-SQL batch (one or more statements) as a whole file (`tsql_file`, so trailing
 * garbage is an error too). The grammar's keywords are upper-case only, so the text is upper-cased
 * before lexing; that changes no token boundary (identifiers and strings stay identifiers and
 * strings), only their spelling, which syntax checking does not depend on.
 *
 * Two stages, as ANTLR recommends for speed on a grammar this large, both stopping at the first
 * syntax error (BailErrorStrategy; error recovery is what made broken texts take tens of seconds):
 * SLL prediction first; a text it parses is valid. Only when SLL fails, the full LL prediction,
 * which alone decides that the text is wrong (SLL can fail on a few valid texts) and reports the
 * first error.
 */
export function parseTsql(sql: string): TsqlParseResult {
  const upper = sql.toUpperCase();
  for (const mode of [PredictionMode.SLL, PredictionMode.LL]) {
    const errors: string[] = [];
    const lexer = new TSqlLexer(CharStreams.fromString(upper));
    lexer.removeErrorListeners();
    lexer.addErrorListener(collector<number>(errors, 'lexer'));
    const parser = new TSqlParser(new CommonTokenStream(lexer));
    parser.removeErrorListeners();
    parser.interpreter.setPredictionMode(mode);
    parser.errorHandler = new BailErrorStrategy();
    try {
      parser.tsql_file();
      return { errors };
    } catch (err) {
      if (!(err instanceof ParseCancellationException)) throw err;
      if (mode === PredictionMode.LL) return { errors: [...errors, describeFailure(err)] };
    }
  }
  throw new Error('unreachable');
}

/** "parser line:column message" of the syntax error that stopped the LL parse. */
function describeFailure(err: ParseCancellationException): string {
  const cause = err.getCause() as RecognitionException | undefined;
  const token = cause?.getOffendingToken();
  const where = token ? `${token.line}:${token.charPositionInLine}` : '?:?';
  const what = token ? `unexpected '${token.text ?? ''}'` : 'syntax error';
  const expected = cause?.expectedTokens?.toString() ?? '';
  const short = expected.length > MAX_MESSAGE ? `${expected.slice(0, MAX_MESSAGE)}...` : expected;
  return `parser ${where} ${what}${short ? `, expecting ${short}` : ''}`;
}
