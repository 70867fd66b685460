'use strict';
/** The scenarios, in the order they run and are reported (ids are the --scenario names). */
module.exports = [
  require('./drain'),
  require('./many-tenants'),
  require('./pickup-latency'),
  require('./idle-cost'),
  require('./growth'),
  require('./features'),
];
