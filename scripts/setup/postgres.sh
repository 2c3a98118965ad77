#!/usr/bin/env bash
# Set-up for the tests on PostgreSQL: Debian's PostgreSQL server (15 on
# Debian 12) and nginx, the load balancer the multi-node tests put in front.
# Only the packages are installed; no cluster is started here.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
apt_install postgresql nginx-light
