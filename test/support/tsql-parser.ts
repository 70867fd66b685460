/**
 * An independent T-SQL grammar for tests: antlr4ts-sql 1.1.0, the ANTLR grammars-v4 TSqlParser
 * (it understands table hints, OUTPUT, OPENJSON ... WITH, DELETE TOP). Syntax errors of the lexer
 * and the parser are collected instead of printed, so a test can assert there are none.
 *
 * Import paths are the package's generated files (its index and antlr4ts' index fail to load), and
 * antlr4ts is pinned to 0.5.0-alpha.4 (0.5.0-dev, which npm resolves by default, fails to load).
 */
import { CharStreams } from 'antlr4ts/CharStreams';
import { CommonTokenStream } from 'antlr4ts/CommonTokenStream';
import type { ANTLRErrorListener } from 'antlr4ts/ANTLRErrorListener';
import type { Recognizer } from 'antlr4ts/Recognizer';
import type { ATNSimulator } from 'antlr4ts/atn/ATNSimulator';
import type { Token } from 'antlr4ts/Token';
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
 */
export function parseTsql(sql: string): TsqlParseResult {
  const errors: string[] = [];
  const lexer = new TSqlLexer(CharStreams.fromString(sql.toUpperCase()));
  lexer.removeErrorListeners();
  lexer.addErrorListener(collector<number>(errors, 'lexer'));
  const parser = new TSqlParser(new CommonTokenStream(lexer));
  parser.removeErrorListeners();
  parser.addErrorListener(collector<Token>(errors, 'parser'));
  parser.tsql_file();
  return { errors };
}
