import ArgumentParser
import GRPORun
import Tensors
import Training

// Closed sets of values taken on the command line: the parser lists the choices in --help
// and refuses anything else with its own error.
extension LossType: ExpressibleByArgument {}
extension RewardScaling: ExpressibleByArgument {}
