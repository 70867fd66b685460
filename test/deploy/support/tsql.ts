/**
 * Syntax check of T-SQL text with the grammars-v4 TSqlParser (antlr4ts-sql, whose lexer and parser
 * are imported from its dist/src/grammar-output/tsql folder). The grammar is case-sensitive for keywords, so the text is upper-cased first.
 */
import { CharStreams } from 'antlr4ts/CharStreams';
import { CommonTokenStream } from 'antlr4ts/CommonTokenStream';
import type { ANTLRErrorListener } from 'antlr4ts/ANTLRErrorListener';
import { TSqlLexer } from 'antlr4ts-sql/dist/src/grammar-output/tsql/TSqlLexer';
import { TSqlParser } from 'antlr4ts-sql/dist/src/grammar-output/tsql/TSqlParser';

/** Syntax errors as `line:column message` (message cut short: the grammar lists every expected token). */
export function tsqlSyntaxErrors(text: string): string[] {
  const errors: string[] = [];
  const listener: ANTLRErrorListener<unknown> = {
    syntaxError: (_recognizer, _symbol, line, column, message) => {
      errors.push(`${line}:${column} ${message.length > 160 ? `${message.slice(0, 160)}...` : message}`);
    },
  };
  const lexer = new TSqlLexer(CharStreams.fromString(text.toUpperCase()));
  lexer.removeErrorListeners();
  lexer.addErrorListener(listener);
  const parser = new TSqlParser(new CommonTokenStream(lexer));
  parser.removeErrorListeners();
  parser.addErrorListener(listener);
  parser.tsql_file();
  return errors;
}
