from icecat_akeneo.cli import main

if __name__ == "__main__":  # Airflow's plugin loader imports every module under plugins/
    raise SystemExit(main())
