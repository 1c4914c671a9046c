// Where the saved-query API lives (a leaf: the routes, the scheduler and the links it sends import it).

export const SAVED_QUERIES_PATH = '/saved-queries';
