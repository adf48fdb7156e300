"""`python -m ember.bench`: see ember.bench.main."""

from ember.bench import main

raise SystemExit(main())
