"""The built-in scenarios, one workload per script (``SCENARIO = Scenario(...)``), shipped in the
package so that an installed perfharness finds them; copy one to start your own."""
