"""医疗补助 medical top-ups, premiums, outpatient subsidies."""
