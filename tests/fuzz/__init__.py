"""Generated-input suite: seeded case generators and an oracle that runs the real CLI.

``generators.generate_case(seed, index)`` builds one case (input files + command) from a plain
``random.Random`` seeded by ``(seed, index)``, so every case is reproducible on its own;
``oracle.run_case`` runs it as a subprocess and lists the promises it broke.
"""
