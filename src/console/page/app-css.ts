/** The console's styles (served as /app.css). */
export const APP_CSS = `
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #1d2433; background: #f5f6f8; }
header { display: flex; gap: 1.2em; align-items: center; padding: .6em 1em; background: #1d2433; color: #fff; }
header a { color: #cfe0ff; margin-right: .8em; }
header form { margin-left: auto; }
main { padding: 1em; }
h1, h2 { margin: .2em 0 .6em; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .3em .5em; border-bottom: 1px solid #e3e6ec; vertical-align: top; }
th { background: #eef0f4; cursor: default; white-space: nowrap; }
th.sortable { cursor: pointer; text-decoration: underline dotted; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.toolbar { display: flex; flex-wrap: wrap; gap: .5em; align-items: center; margin-bottom: .7em; }
input, select, button { font: inherit; padding: .25em .5em; }
button { cursor: pointer; }
button.danger { color: #a31515; }
.state-up { color: #16794a; } .state-down { color: #b3261e; font-weight: bold; } .state-draining, .state-starting { color: #8a6100; }
.status-DeadLetter { color: #b3261e; } .status-Failed { color: #8a6100; } .status-Completed { color: #16794a; } .status-Processing { color: #1a56b3; }
.live { font-size: 12px; color: #9fb3d9; }
pre { background: #fff; border: 1px solid #e3e6ec; padding: .6em; overflow: auto; max-height: 30em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; background: #fff; padding: .6em; }
dt { font-weight: bold; }
.error { color: #b3261e; }
.muted { color: #6b7385; }
#toast { position: fixed; bottom: 1em; right: 1em; background: #1d2433; color: #fff; padding: .5em 1em; border-radius: 4px; display: none; }
.signin main { max-width: 22em; margin: 10vh auto; background: #fff; padding: 1.5em; border-radius: 6px; }
.signin form { display: grid; gap: .6em; }
.totals span { margin-right: 1.2em; }
`;
