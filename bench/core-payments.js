/**
 * Creates a payment through the sandbox's payment core, as its API's handlers do (one unit of work, one
 * commit), for seeding a store without HTTP.
 */
export function createPayment(sandbox, merchant, input) {
  return sandbox.service.transact('paycli', (uow) => uow.createPayment(merchant, input));
}
