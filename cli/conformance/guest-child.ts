/**
 * The child process of a guest run: `nommu-um run` with the arguments it is
 * given. A separate process, so that a hung guest (or a simulator that
 * loops in its own code) is killed from outside without taking the
 * conformance run with it, and two guests use both cores.
 */
import { main } from '../run.js';

process.exitCode = await main(process.argv.slice(2));
