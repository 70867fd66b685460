'use strict';
/** One row of the results: a metric of one subject in one scenario, with its per-run values. */
const { summarize } = require('./stats');

/**
 * @param {object} m
 * @param {string} m.scenario  scenario id
 * @param {string} m.subject   e.g. 'tqw non-transactional'
 * @param {string} m.metric    e.g. 'drain rate'
 * @param {string} m.unit      e.g. 'msg/s'
 * @param {number[]} m.values  one value per run
 * @param {'higher'|'lower'} [m.better]
 * @param {string} [m.note]
 * @param {object} [m.details] anything else worth keeping in latest.json
 */
function measurement({ scenario, subject, metric, unit, values, better = 'higher', note, details }) {
  return { scenario, subject, metric, unit, better, values, summary: summarize(values), note, details };
}

module.exports = { measurement };
