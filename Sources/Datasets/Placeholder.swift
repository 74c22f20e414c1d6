import Rewards
