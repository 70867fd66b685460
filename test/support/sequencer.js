'use strict';
/**
 * Jest's default order (slowest or largest files first), except that the files that install and build
 * things (npm pack + install + tsc, the image build) go first: together at the start they do not load
 * the machine while the timing-sensitive reliability scenarios run (two files run at a time on 2 cores).
 */
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = [/[\\/]test[\\/]image[\\/]/, /[\\/]test[\\/]package[\\/]/];

class InstallsFirstSequencer extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    const first = ordered.filter((t) => FIRST.some((re) => re.test(t.path)));
    return [...first, ...ordered.filter((t) => !first.includes(t))];
  }
}

module.exports = InstallsFirstSequencer;
