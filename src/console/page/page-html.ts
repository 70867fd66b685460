/**
 * The console's two HTML documents. Static text: every value shown is fetched by app.js from the
 * JSON API and written with textContent, so no data is ever parsed as HTML.
 */

const head = (title: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/app.css">
</head>`;

/** The sign-in form (the token is posted once; the answer sets the session cookie). `error` is a fixed text. */
export function signInPage(error: string | undefined): string {
  return `${head('tqw console: sign in')}
<body class="signin">
<main>
<h1>tqw console</h1>
<form method="post" action="/login">
<label for="token">Console token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
${error ? `<p class="error" role="alert">${error}</p>` : ''}
</form>
</main>
</body>
</html>
`;
}

export function appPage(): string {
  return `${head('tqw console')}
<body>
<header>
<strong>tqw console</strong>
<nav><a href="#/">Fleet</a> <a href="#/dead-letters">Dead letters</a></nav>
<span id="live" class="live">connecting…</span>
<span id="mode"></span>
<form id="logout" method="post" action="/logout"><input type="hidden" name="csrf" id="logout-csrf"><button type="submit">Sign out</button></form>
</header>
<main id="view"></main>
<div id="toast" role="status"></div>
<script src="/app.js"></script>
</body>
</html>
`;
}
