DROP INDEX readings_once;
