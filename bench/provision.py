"""Benchmark: provisioning 10,000 users on PostgreSQL, our bulk path vs a naive one-row-at-a-time path.

Run from the repository root::

    python bench/provision.py                      # starts a throwaway embedded PostgreSQL
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/postgres python bench/provision.py
    BENCH_DATABASE_URL=... BENCH_ASTERISK_DATABASE_URL=postgres://postgres@127.0.0.1/postgres \\
        python bench/provision.py                  # Option B: realtime tables in another database

A fresh database (``bench_provision_<pid>``, and ``bench_asterisk_<pid>`` for Option B) is created
on that server, migrated, filled with USERS users (not timed) and dropped at the end.

a. ours: ``voip.provisioning.services.provision_users`` (numbers allocated under the advisory lock,
   ``bulk_create`` of ps_endpoints/ps_auths/ps_aors and InternalNumber in batches of 1,000, one
   transaction per batch);
b. naive: for each user, in autocommit, ``PsEndpoint.objects.create``, ``PsAuth.objects.create``,
   ``PsAor.objects.create``, ``InternalNumber.objects.create`` with the same values.

Both produce the same rows (checked). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from _databases import scratch_databases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--naive-users", type=int, default=None, help="users for the naive path (default: --users)")
    args = parser.parse_args()
    naive_users = args.naive_users or args.users

    with scratch_databases("bench_provision") as option_b:
        return run(args.users, naive_users, option_b=option_b)


def run(user_count: int, naive_count: int, *, option_b: bool) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from voip.models import InternalNumber, PsAor, PsAuth, PsEndpoint
    from voip.provisioning import services
    from voip.provisioning.conf import provisioning_settings
    from voip.provisioning.passwords import generate_password
    from voip.realtime.router import realtime_db_alias

    call_command("migrate", verbosity=0)
    if option_b:
        call_command("migrate", database="asterisk", verbosity=0)
    settings.VOIP_PROVISIONING = {
        **settings.VOIP_PROVISIONING,
        "USER_EXTENSION_RANGE": (10_000, 10_000 + 3 * max(user_count, naive_count)),
        "QUALIFY_FREQUENCY": 60,
    }
    user_model = get_user_model()
    user_model.objects.bulk_create(
        [user_model(username=f"bench{i:05d}", first_name="Bench", last_name=f"User {i}") for i in range(user_count)],
        batch_size=2000,
    )
    users = list(user_model.objects.order_by("pk"))
    using = realtime_db_alias()

    def clear() -> None:
        InternalNumber.objects.all().delete()
        for model in (PsEndpoint, PsAuth, PsAor):
            model.objects.using(using).all().delete()
        with connections[using].cursor() as cursor:
            for table in ("ps_endpoints", "ps_auths", "ps_aors"):
                cursor.execute(f"VACUUM ANALYZE {table}")

    # a. ours
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    summary = services.provision_users(users)
    ours = time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    assert len(summary.created) == user_count, summary
    assert PsEndpoint.objects.using(using).count() == user_count
    sample_ours = PsEndpoint.objects.using(using).get(id=summary.created[0].endpoint_id)

    clear()

    # b. naive: one row at a time, autocommit, same values
    from voip.provisioning.rows import aor_row, auth_row, endpoint_row, format_callerid

    conf = provisioning_settings()
    naive_users = users[:naive_count]
    started = time.perf_counter()
    for user in naive_users:
        # Next free number the straightforward way: the highest one so far plus one.
        last = PsEndpoint.objects.using(using).order_by("-id").values_list("id", flat=True).first()
        endpoint_id = str(int(last) + 1) if last else str(conf.user_extension_range[0])
        password = generate_password(conf.password_length)
        name = services.display_name(user)
        PsEndpoint.objects.using(using).create(**endpoint_row(endpoint_id, format_callerid(name, endpoint_id), conf))
        PsAuth.objects.using(using).create(**auth_row(endpoint_id, password, conf))
        PsAor.objects.using(using).create(**aor_row(endpoint_id, conf))
        InternalNumber.objects.create(user=user, number=endpoint_id, endpoint_id=endpoint_id, is_active=True)
    naive = time.perf_counter() - started
    assert PsEndpoint.objects.using(using).count() == naive_count
    sample_naive = PsEndpoint.objects.using(using).get(id=sample_ours.id)
    fields = [f.attname for f in PsEndpoint._meta.concrete_fields]
    assert [getattr(sample_ours, f) for f in fields] == [getattr(sample_naive, f) for f in fields]

    naive_per_10k = naive * user_count / naive_count
    print(
        f"PostgreSQL {connections[using].pg_version // 10000}, {'Option B' if option_b else 'Option A'}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}"
    )
    print()
    print("| path | users | seconds | users/s |")
    print("|---|---:|---:|---:|")
    print(
        f"| ours (`provision_users`, bulk, 1 transaction / 1,000) | {user_count:,} | {ours:.2f} | "
        f"{user_count / ours:,.0f} |"
    )
    print(
        f"| naive (4 × `objects.create` per user, autocommit) | {naive_count:,} | {naive:.2f} | "
        f"{naive_count / naive:,.0f} |"
    )
    print()
    print(f"speed-up: {naive_per_10k / ours:.1f}x (naive time scaled to {user_count:,} users: {naive_per_10k:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
