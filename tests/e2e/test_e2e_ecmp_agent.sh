#!/usr/bin/env bash
# test_e2e_ecmp.sh with the routable-tag agent on the backends (ECMP_AGENT=1): the mode
# in which nothing may be lost.  The plain run of test_e2e_ecmp.sh shows the failure
# without the agent.
ECMP_AGENT=1 exec bash "$(dirname "$0")/test_e2e_ecmp.sh" "$@"
