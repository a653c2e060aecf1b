#!/bin/sh
# The image's entrypoint: `kaeru <command>`. Before `serve`, it waits for the database and brings the
# schema to head (`kaeru db upgrade`, which also applies config/site.yaml) unless KAERU_MIGRATE=false —
# for a deployment with several API replicas, run `kaeru db upgrade` once as a job and set it to false.
set -eu

if [ "${1:-}" = "serve" ] && [ "${KAERU_MIGRATE:-true}" = "true" ]; then
    tries=0
    until kaeru db upgrade; do
        tries=$((tries + 1))
        if [ "$tries" -ge "${KAERU_MIGRATE_TRIES:-30}" ]; then
            echo "entrypoint: the database did not take the migrations after $tries tries" >&2
            exit 1
        fi
        echo "entrypoint: database not ready, trying again in 2 s ($tries)" >&2
        sleep 2
    done
fi
exec kaeru "$@"
